"""Microsoft Dynamics CRM builtins (9). The Dynamics connector was retired (online December 2020,
on-premises October 2021) with no replacement, so every call aborts with that reason. The names and
argument counts stay known so that old content is checked and reported clearly."""

from __future__ import annotations

from ..errors import FunctionError
from ..registry import builtin

CAT = "Microsoft Dynamics CRM"


def _retired(*_args):
    raise FunctionError("unavailable: the Microsoft Dynamics CRM connector was retired (online December "
                        "2020, on-premises October 2021) and has no replacement")


def _declare(name: str, min_args: int, max_args: int | None, signature: str, doc: str) -> None:
    def dead(*args):
        _retired(*args)

    dead.__doc__ = doc + " Dead: the connector is retired, every call aborts."
    dead.__name__ = name
    builtin(name, min_args=min_args, max_args=max_args, category=CAT, signature=signature)(dead)


_declare("AddMscrmListMember", 2, 2, "AddMscrmListMember(recordGuid, listGuid)",
         "Put a record on a CRM marketing list.")
_declare("CreateMSCRMRecord", 4, None, "CreateMSCRMRecord(entity, fieldCount, attr1, value1, [attrN, valueN]...)",
         "Create a record, returning its GUID.")
_declare("DescribeMSCRMEntities", 0, 0, "DescribeMSCRMEntities()", "List the available entities.")
_declare("DescribeMSCRMEntityAttributes", 1, 1, "DescribeMSCRMEntityAttributes(entity)",
         "List an entity's attributes.")
_declare("RetrieveMSCRMRecords", 5, 5, "RetrieveMSCRMRecords(entity, fields, filterField, operator, value)",
         "Records matching one simple filter.")
_declare("RetrieveMSCRMRecordsFetchXML", 1, 1, "RetrieveMSCRMRecordsFetchXML(fetchXml)",
         "Records matching a FetchXML query.")
_declare("SetStateMscrmRecord", 4, 4, "SetStateMscrmRecord(recordGuid, entity, state, status)",
         "Set a record's state (active/inactive) and status code.")
_declare("UpdateMSCRMRecords", 4, None, "UpdateMSCRMRecords(entity, guidList, attr1, value1, [attrN, valueN]...)",
         "Update comma-listed records, returning how many changed.")
_declare("UpsertMSCRMRecord", 9, 9,
         "UpsertMSCRMRecord(entity, sortField, sortOrder, retrievePairs, filterAttr, filterValue, updatePairs, "
         "updateAttr, updateValue)",
         "Update the first match (sorted ASC/DESC) or create; returns the GUID.")
