"""Einstein builtin (1): RatingStars, which exists only inside Einstein Email Recommendations
rendering. No page, email or SMS render allows it, so ampy refuses any template using it."""

from __future__ import annotations

from ..errors import FunctionError
from ..registry import builtin

CAT = "Einstein"


@builtin("RatingStars", min_args=3, max_args=3, category=CAT, contexts=frozenset(),
         context_error="Einstein Email Recommendations rendering only",
         signature="RatingStars(rating, maxRating, imageUrl)")
def rating_stars(rating, max_rating, image_url):
    """Star-rating markup inside Einstein Email Recommendations; unavailable anywhere else."""
    raise FunctionError("unavailable: it only runs inside Einstein Email Recommendations rendering")
