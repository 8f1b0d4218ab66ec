"""Social builtins (3): Social Forward sharing links.

``GetPublishedSocialContent`` needs a Classic content region, which no current page has: every call
aborts. The two URL builders produce ampy's own Social Forward link on the account's pages domain,
``https://cloud.<domain>/socialforward?network=...&region=...`` followed by the extra pairs.
"""

from __future__ import annotations

from urllib.parse import urlencode

from ..errors import FunctionError
from ..registry import NOT_EMAIL, builtin
from ..runtime.values import parse_number, to_text
from ._args import pairs
from .sites import page_domain

CAT = "Social"
NETWORKS = ("facebook", "twitter", "x", "linkedin", "pinterest", "myspace", "digg", "delicious",
            "stumbleupon", "google")


def _publish_url(ctx, params: list[tuple[str, str]], extra) -> str:
    if len(extra) % 2:
        raise FunctionError("key/value arguments must come in pairs")
    params = params + [(k, to_text(v)) for k, v in pairs(extra, "key/value")]
    return f"https://cloud.{page_domain(ctx)}/socialforward?{urlencode(params)}"


def _region(region) -> str:
    text = to_text(region).strip()
    if not text:
        raise FunctionError("the region is empty")
    return text


@builtin("GetPublishedSocialContent", min_args=1, max_args=1, category=CAT, contexts=NOT_EMAIL,
         context_error="10004: social sharing or landing pages only",
         signature="GetPublishedSocialContent(contentId)")
def get_published_social_content(content_id):
    """Dead: Classic social-forward region content; no current page has such a region, so it aborts."""
    raise FunctionError("unavailable: it reads a Classic Content social-forward region, and no CloudPage "
                        "or current content has one")


@builtin("GetSocialPublishURL", min_args=2, max_args=None, category=CAT, needs_context=True,
         signature="GetSocialPublishURL(networkCode, region, [key, value]...)")
def get_social_publish_url(ctx, network_code, region, *extra):
    """Social Forward sharing URL for a network code (a number), region and extra pairs."""
    code = parse_number(to_text(network_code))
    if code is None or isinstance(code, float):
        raise FunctionError(f"the network code must be a whole number, got '{to_text(network_code)}'")
    return _publish_url(ctx, [("network", str(code)), ("region", _region(region))], extra)


@builtin("GetSocialPublishURLByName", min_args=3, max_args=None, category=CAT, needs_context=True,
         signature="GetSocialPublishURLByName(networkName, countryCode, region, [key, value]...)")
def get_social_publish_url_by_name(ctx, network_name, country_code, region, *extra):
    """Social Forward sharing URL addressing the network by name; the country code is required."""
    network = to_text(network_name).strip().lower()
    if network not in NETWORKS:
        raise FunctionError(f"unknown social network '{to_text(network_name)}'")
    country = to_text(country_code).strip()
    if not country:
        raise FunctionError("the country code is empty")
    return _publish_url(ctx, [("network", network), ("country", country), ("region", _region(region))], extra)
