"""Volt MX Foundry Engagement campaign REST: ``POST /api/v1/campaigns/{id}/{action}``.

Each action is the Partner API call the SOAP side would make, through the same backend: start,
pause and resume are Campaign Performs (terminate is Perform ``stop``), publish a Perform
``publish``, delete a Campaign Delete that a running campaign refuses. Answers are
``{"id": "<id>", "message": "..."}`` with 200 (done), 400 (bad request, unknown campaign, an
action the campaign refuses), 401 (no valid bearer token) or 500 (the server failed).
"""

from __future__ import annotations

import json
import sys
import threading
import traceback

from ..api.model import ApiObject
from ..backends.base import ApiResult
from .auth import ServerAuth

# REST action → (Partner API verb, Perform action, success message). The start message is the
# documented one, misspelling and trailing space included.
ACTIONS = {
    "start": ("perform", "start", "Campaign execution intiated successfully. "),
    "pause": ("perform", "pause", "Campaign paused successfully."),
    "resume": ("perform", "resume", "Campaign resumed successfully."),
    "terminate": ("perform", "stop", "Campaign terminated successfully."),
    "publish": ("perform", "publish", "Campaign published successfully."),
    "delete": ("delete", None, "Campaign deleted successfully."),
}
RUNNING_STATUSES = ("Queued", "Processing", "Running")
INVALID_REQUEST = "Invalid request format"
UNAUTHORIZED = "Unauthorized request"
SERVER_FAILURE = "Server failure to process request"


class CampaignRest:
    def __init__(self, backend, auth: ServerAuth, *, lock: threading.RLock | None = None):
        self.backend = backend
        self.auth = auth
        self.lock = lock or threading.RLock()

    def handle(self, campaign_id: str, action: str, authorization: str, content_type: str,
               body: bytes) -> tuple[int, dict]:
        """(HTTP status, JSON payload) for one request."""
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or self.auth.token_status(token.strip()) != "valid":
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
        verb, perform_action, success = ACTIONS[action]
        reference = ApiObject("Campaign", {"ID": campaign_id})
        if verb == "delete":
            if self._is_running(campaign):
                return 400, {"id": campaign_id,
                             "message": f"Campaign with id {campaign_id} is running and cannot be deleted."}
            response = self.backend.api_delete([reference])
        else:
            response = self.backend.api_perform(perform_action, [reference])
        failure = _failure(response)
        if failure is not None:
            return 400, {"id": campaign_id, "message": failure}
        return 200, {"id": campaign_id, "message": success}

    def _find(self, campaign_id: str) -> ApiObject | None:
        request = ApiObject("RetrieveRequest", {
            "ObjectType": "Campaign", "Properties": ["ID", "CustomerKey", "Name", "InteractionObjectID"],
            "Filter": ApiObject("SimpleFilterPart", {"Property": "ID", "SimpleOperator": "equals",
                                                     "Value": [campaign_id]})})
        response = self.backend.api_retrieve(request)
        if not response.overall_status.startswith(("OK", "MoreDataAvailable")):
            raise RuntimeError(f"retrieving campaign {campaign_id}: {response.overall_status}")
        return next((r for r in response.results if isinstance(r, ApiObject)), None)

    def _is_running(self, campaign: ApiObject) -> bool:
        ioid = campaign.get("InteractionObjectID")
        if not ioid:
            return False
        request = ApiObject("RetrieveRequest", {
            "ObjectType": "AsyncActivityStatus", "Properties": ["Status", "ParentInteractionObjectID"],
            "Filter": ApiObject("SimpleFilterPart", {"Property": "ParentInteractionObjectID",
                                                     "SimpleOperator": "equals", "Value": [str(ioid)]})})
        response = self.backend.api_retrieve(request)
        for status in response.results:
            for prop in status.get("Properties") or []:
                if isinstance(prop, ApiObject) and prop.get("Name") == "Status" \
                        and prop.get("Value") in RUNNING_STATUSES:
                    return True
        return False


def _failure(response) -> str | None:
    """The message of a refused Perform/Delete, or None when it went through."""
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
