"""Social builtins (3): Social Forward sharing links.

``GetPublishedSocialContent`` needs a Classic content region, which no current page has: every call
aborts. The two URL builders produce a link to ``ampy serve``'s share route,
``<public_url>/_ampy/social/<network>?region=...&country=...&url=<content>`` followed by the
extra pairs, where ``public_url`` is ``[server] public_url`` in ampy.toml. Served, the link
redirects (302) to the network's own share page for the content URL: the script's ``url`` pair
when it gives one, else the CloudPage being rendered, else the public URL itself. Networks that
no longer offer sharing (MySpace, Digg, Delicious, StumbleUpon, Google+) still build a link; the
route answers it with 410 Gone.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from ..errors import FunctionError
from ..registry import NOT_EMAIL, builtin
from ..runtime.values import parse_number, to_text
from ..settings import public_url
from ._args import pairs

CAT = "Social"
# Network name -> its share page ("{url}" is the percent-encoded content URL); None: retired.
SHARE_URLS = {
    "facebook": "https://www.facebook.com/sharer/sharer.php?u={url}",
    "twitter": "https://twitter.com/intent/tweet?url={url}",
    "x": "https://x.com/intent/post?url={url}",
    "linkedin": "https://www.linkedin.com/sharing/share-offsite/?url={url}",
    "pinterest": "https://pinterest.com/pin/create/button/?url={url}",
    "myspace": None,
    "digg": None,
    "delicious": None,
    "stumbleupon": None,
    "google": None,
}
NETWORKS = tuple(SHARE_URLS)
# Network codes for GetSocialPublishURL: ampy numbers the networks in this order (1 = facebook).
NETWORK_CODES = {i + 1: name for i, name in enumerate(NETWORKS)}
SOCIAL_PREFIX = "/_ampy/social/"


def share_url(network: str, content_url: str) -> str | None:
    """The network's share page for a content URL; None for a retired network.
    A KeyError for a network ampy does not know."""
    template = SHARE_URLS[network.lower()]
    return None if template is None else template.format(url=quote(content_url, safe=""))


def _content_url(ctx, extra_pairs: list[tuple[str, str]]) -> str:
    for key, value in extra_pairs:
        if key.strip().lower() == "url" and value.strip():
            return value.strip()
    request = getattr(ctx, "request", None)
    if ctx.kind == "page" and request is not None and getattr(request, "url", ""):
        return request.url
    return public_url(ctx.settings) + "/"


def _publish_url(ctx, network: str, params: list[tuple[str, str]], extra) -> str:
    if len(extra) % 2:
        raise FunctionError("key/value arguments must come in pairs")
    extra_pairs = [(to_text(k), to_text(v)) for k, v in pairs(extra, "key/value")]
    params = params + [("url", _content_url(ctx, extra_pairs))]
    params += [(k, v) for k, v in extra_pairs if k.strip().lower() != "url"]
    return f"{public_url(ctx.settings)}{SOCIAL_PREFIX}{network}?{urlencode(params)}"


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
         local="a link to ampy serve's /_ampy/social route, which redirects to the network's share page.",
         signature="GetSocialPublishURL(networkCode, region, [key, value]...)")
def get_social_publish_url(ctx, network_code, region, *extra):
    """Social Forward sharing URL for a network code (1 to 10, see NETWORK_CODES), region and extra pairs."""
    code = parse_number(to_text(network_code))
    if code is None or isinstance(code, float):
        raise FunctionError(f"the network code must be a whole number, got '{to_text(network_code)}'")
    if code not in NETWORK_CODES:
        raise FunctionError(f"unknown social network code {code} (1 to {len(NETWORK_CODES)}: "
                            + ", ".join(f"{n} {name}" for n, name in NETWORK_CODES.items()) + ")")
    return _publish_url(ctx, NETWORK_CODES[code], [("region", _region(region))], extra)


@builtin("GetSocialPublishURLByName", min_args=3, max_args=None, category=CAT, needs_context=True,
         local="a link to ampy serve's /_ampy/social route, which redirects to the network's share page.",
         signature="GetSocialPublishURLByName(networkName, countryCode, region, [key, value]...)")
def get_social_publish_url_by_name(ctx, network_name, country_code, region, *extra):
    """Social Forward sharing URL addressing the network by name; the country code is required."""
    network = to_text(network_name).strip().lower()
    if network not in NETWORKS:
        raise FunctionError(f"unknown social network '{to_text(network_name)}'")
    country = to_text(country_code).strip()
    if not country:
        raise FunctionError("the country code is empty")
    return _publish_url(ctx, network, [("country", country), ("region", _region(region))], extra)
