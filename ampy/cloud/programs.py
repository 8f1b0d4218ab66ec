"""ProgramManifestTemplate ``start``: a Campaign (program) made from the template's manifest.

``Manifest`` is JSON text::

    {"name": "Spring program", "customerKey": "spring", "description": "...",
     "activities": ["QueryDefinition:LoyaltyMembers", "SMSSendActivity:SpringSms"]}

``name`` is required; ``customerKey`` defaults to a GUID; ``activities`` lists ``Type:CustomerKey``
of definitions that exist, in the order the campaign's ``start`` runs them (a type a campaign
cannot run fails that start, as for any campaign). The
task creates the Campaign (ready to Perform ``start``) and names it in its detail; a manifest
that is not valid, names a missing activity or a taken key fails the task and creates nothing.
"""

from __future__ import annotations

import json
import uuid

from ..api.model import ApiObject
from . import types
from .objects import ObjectError, text
from .tasks import TaskFailed


def read_manifest(source: str) -> dict:
    """The manifest checked for its shape; TaskFailed names what is wrong."""
    if not source.strip():
        raise TaskFailed("The ProgramManifestTemplate has no Manifest.")
    try:
        manifest = json.loads(source)
    except ValueError as e:
        raise TaskFailed(f"The Manifest is not valid JSON: {e}") from None
    if not isinstance(manifest, dict):
        raise TaskFailed("The Manifest must be a JSON object.")
    for key in ("name", "customerKey", "description"):
        if manifest.get(key) is not None and not isinstance(manifest[key], str):
            raise TaskFailed(f'The Manifest\'s "{key}" must be text.')
    if not (manifest.get("name") or "").strip():
        raise TaskFailed('The Manifest has no "name".')
    activities = manifest.get("activities", [])
    if not isinstance(activities, list) or not all(isinstance(a, str) for a in activities):
        raise TaskFailed('The Manifest\'s "activities" must be a list of "Type:CustomerKey" texts.')
    return manifest


def create_program(cloud, template: ApiObject, task_id: int) -> None:
    manifest = read_manifest(text(template.get("Manifest")))
    activities = []
    for item in manifest.get("activities", []):
        kind, _, key = item.partition(":")
        kind, key = kind.strip(), key.strip()
        match = types.canonical_type(kind)
        if match is None or not types.is_subtype(match, "InteractionDefinition"):
            raise TaskFailed(f"'{item}': '{kind}' is not an activity type.")
        if cloud.objects.find(ApiObject(match, {"CustomerKey": key})) is None:
            raise TaskFailed(f"'{item}': the {match} with CustomerKey '{key}' does not exist.")
        activities.append({"type": match, "key": key})
    key = (manifest.get("customerKey") or "").strip() or str(uuid.uuid4())
    campaign = ApiObject("Campaign", {"Name": manifest["name"].strip(), "CustomerKey": key})
    if manifest.get("description"):
        campaign.set("Description", manifest["description"])
    try:
        stored = cloud.objects.insert(campaign, extra={"activities": activities} if activities else None)
    except ObjectError as e:
        raise TaskFailed(e.message) from None
    cloud.tasks.set_detail(
        task_id, f"Campaign {key} (ID {text(stored.get('ID'))}) created with {len(activities)} activities"
    )


def plan(cloud, action: str, stored: ApiObject, given: ApiObject):
    """ProgramManifestTemplate start (see perform._planner); a bad manifest is refused at once."""
    try:
        read_manifest(text(stored.get("Manifest")))
    except TaskFailed as e:
        raise ObjectError(str(e), 2) from None
    return "ProgramManifestTemplate performed", create_program, None
