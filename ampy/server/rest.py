"""Volt MX Foundry Engagement campaign REST: ``POST /api/v1/campaigns/{id}/{action}``.

Each action is done with real Partner API calls through the same backend the SOAP side uses, and
the Partner API itself stays as the service defines it (its Campaign Perform knows only start and
stop; pause is reserved there):

- ``start`` is Campaign Perform ``start``; ``terminate`` is Campaign Perform ``stop``.
- ``pause`` finds the campaign's running Sends — its tasks are the AsyncActivityStatus rows whose
  ParentInteractionObjectID is the campaign's InteractionObjectID, and a send's JobID is its
  task ID, so a Send Retrieve by those IDs finds them — and Performs ``pause`` on each Send whose
  Status is ``Sending``. Nothing running, or nothing of it a send, is a 400 saying so.
- ``resume`` Performs ``resume`` on the campaign's Sends whose Status is ``Paused``; none is 400.
- ``publish`` makes the created campaign available: an Update of the Campaign setting its
  ``ObjectState`` to ``Published`` (an APIObject property the account keeps and a Retrieve
  returns). Publishing again is harmless and answers 200 again.
- ``delete`` is a Campaign Delete, refused (400) while any of the campaign's tasks is unfinished.

Answers are ``{"id": "<id>", "message": "..."}`` with 200 (done), 400 (bad request, unknown
campaign, an action the campaign refuses), 401 (no valid bearer token) or 500 (the server failed).
"""

from __future__ import annotations

import json
import sys
import threading
import traceback

from ..api.model import ApiObject
from ..backends.base import ApiResult
from .auth import ServerAuth

# REST action → success message. The start message is the documented one, misspelling and
# trailing space included.
ACTIONS = {
    "start": "Campaign execution intiated successfully. ",
    "pause": "Campaign paused successfully.",
    "resume": "Campaign resumed successfully.",
    "terminate": "Campaign terminated successfully.",
    "publish": "Campaign published successfully.",
    "delete": "Campaign deleted successfully.",
}
RUNNING_STATUSES = ("Queued", "Processing", "Running")
PUBLISHED = "Published"  # the Campaign's ObjectState once published
INVALID_REQUEST = "Invalid request format"
UNAUTHORIZED = "Unauthorized request"
SERVER_FAILURE = "Server failure to process request"


def bearer_is_valid(auth: ServerAuth, authorization: str) -> bool:
    """True when an ``Authorization`` header holds ``Bearer <token>`` with a valid, unexpired token."""
    scheme, _, token = authorization.strip().partition(" ")
    return scheme.lower() == "bearer" and auth.token_status(token.strip()) == "valid"


class CampaignRest:
    def __init__(self, backend, auth: ServerAuth, *, lock: threading.RLock | None = None):
        self.backend = backend
        self.auth = auth
        self.lock = lock or threading.RLock()

    def handle(self, campaign_id: str, action: str, authorization: str, content_type: str,
               body: bytes) -> tuple[int, dict]:
        """(HTTP status, JSON payload) for one request."""
        if not bearer_is_valid(self.auth, authorization):
            return 401, {"id": campaign_id, "message": UNAUTHORIZED}
        valid = action.lower() in ACTIONS and _is_long(campaign_id) and _json_or_empty(content_type, body)
        if not valid:
            return 400, {"id": campaign_id, "message": INVALID_REQUEST}
        try:
            with self.lock:
                return self._run(campaign_id, action.lower())
        except Exception:  # noqa: BLE001 - any failure is a 500 answer, never a dropped connection
            traceback.print_exc(file=sys.stderr)
            return 500, {"id": campaign_id, "message": SERVER_FAILURE}

    def _run(self, campaign_id: str, action: str) -> tuple[int, dict]:
        campaign = self._find(campaign_id)
        if campaign is None:
            return 400, {"id": campaign_id, "message": f"Campaign with id {campaign_id} does not exist."}
        reference = ApiObject("Campaign", {"ID": campaign_id})
        if action == "start":
            response = self.backend.api_perform("start", [reference])
        elif action == "terminate":
            response = self.backend.api_perform("stop", [reference])
        elif action == "publish":
            published = ApiObject("Campaign", {"ID": campaign_id, "ObjectState": PUBLISHED})
            response = self.backend.api_update([published])
        elif action == "delete":
            if self._unfinished_tasks(campaign):
                return 400, {"id": campaign_id,
                             "message": f"Campaign with id {campaign_id} is running and cannot be deleted."}
            response = self.backend.api_delete([reference])
        else:
            return self._pause_or_resume(campaign_id, campaign, action)
        failure = _failure(response)
        if failure is not None:
            return 400, {"id": campaign_id, "message": failure}
        return 200, {"id": campaign_id, "message": ACTIONS[action]}

    # ---- pause / resume: Send Performs on the campaign's sends ---------------------------------
    def _pause_or_resume(self, campaign_id: str, campaign: ApiObject, action: str) -> tuple[int, dict]:
        unfinished = self._unfinished_tasks(campaign)
        if not unfinished:
            return 400, {"id": campaign_id, "message": f"Campaign with id {campaign_id} is not running."}
        wanted = "Sending" if action == "pause" else "Paused"
        sends = [s for s in self._sends(unfinished) if str(s.get("Status") or "") == wanted]
        if not sends:
            what = "no running send to pause" if action == "pause" else "no paused send to resume"
            return 400, {"id": campaign_id, "message": f"Campaign with id {campaign_id} has {what}."}
        references = [ApiObject("Send", {"ID": str(s.get("ID"))}) for s in sends]
        failure = _failure(self.backend.api_perform(action, references))
        if failure is not None:
            return 400, {"id": campaign_id, "message": failure}
        return 200, {"id": campaign_id, "message": ACTIONS[action]}

    def _sends(self, task_ids: list[str]) -> list[ApiObject]:
        """The Sends whose JobID (= ID) is one of the tasks."""
        return self._retrieve("Send", ["ID", "Status"], _filter("ID", "IN", task_ids))

    # ---- lookups -------------------------------------------------------------------------------
    def _find(self, campaign_id: str) -> ApiObject | None:
        found = self._retrieve("Campaign", ["ID", "CustomerKey", "Name", "InteractionObjectID"],
                               _filter("ID", "equals", [campaign_id]))
        return found[0] if found else None

    def _unfinished_tasks(self, campaign: ApiObject) -> list[str]:
        """TaskIDs of the campaign's tasks that are queued or running."""
        ioid = campaign.get("InteractionObjectID")
        if not ioid:
            return []
        statuses = self._retrieve("AsyncActivityStatus", ["TaskID", "Status", "ParentInteractionObjectID"],
                                  _filter("ParentInteractionObjectID", "equals", [str(ioid)]))
        out = []
        for status in statuses:
            values = {p.get("Name"): p.get("Value") for p in status.get("Properties") or []
                      if isinstance(p, ApiObject)}
            if values.get("Status") in RUNNING_STATUSES:
                out.append(str(values.get("TaskID") or ""))
        return out

    def _retrieve(self, object_type: str, properties: list[str], flt: ApiObject) -> list[ApiObject]:
        """Every object of a Retrieve, following MoreDataAvailable pages."""
        request = ApiObject("RetrieveRequest", {"ObjectType": object_type, "Properties": properties,
                                                "Filter": flt})
        out: list[ApiObject] = []
        while True:
            response = self.backend.api_retrieve(request)
            if not response.overall_status.startswith(("OK", "MoreDataAvailable")):
                raise RuntimeError(f"retrieving {object_type}: {response.overall_status}")
            out += [r for r in response.results if isinstance(r, ApiObject)]
            if not response.overall_status.startswith("MoreDataAvailable"):
                return out
            request = ApiObject("RetrieveRequest", {"ObjectType": object_type,
                                                    "ContinueRequest": response.request_id})


def _filter(prop: str, operator: str, values: list[str]) -> ApiObject:
    return ApiObject("SimpleFilterPart", {"Property": prop, "SimpleOperator": operator, "Value": list(values)})


def _failure(response) -> str | None:
    """The message of a refused Perform/Update/Delete, or None when it went through."""
    for result in response.results:
        if isinstance(result, ApiResult) and result.status_code != "OK":
            return result.status_message or "The campaign refused the action."
    if not response.overall_status.startswith("OK"):
        status = response.overall_status
        return status.partition(":")[2].strip() or status
    return None


def _is_long(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) <= 2 ** 63 - 1


def _json_or_empty(content_type: str, body: bytes) -> bool:
    if not body.strip():
        return True
    if "json" not in content_type.lower():
        return False
    try:
        json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return True
