"""Guidance for handlers: a knowledge base of short articles on how to handle a situation,
matched to a case by its categories and words, with reply templates that fit the channel.

- `articles`: the Article model and the Markdown-with-front-matter file format.
- `matcher`: scores articles against a case (category match plus TF-IDF word overlap).
- `replies`: fills a reply template and checks it against the channel's length limits.
- `markdown`: renders article bodies to HTML safely (raw HTML disabled).
- `library`: a force's articles in the store, with every edit kept as a new version.
"""

from beacon.guidance.articles import Article, ReplyTemplate, load_shipped_articles
from beacon.guidance.matcher import CaseText, GuidanceMatch, match_articles
from beacon.guidance.replies import RenderedReply, render_template

__all__ = [
    "Article", "CaseText", "GuidanceMatch", "RenderedReply", "ReplyTemplate",
    "load_shipped_articles", "match_articles", "render_template",
]
