"""Article extraction: site selectors, then JSON-LD, then OpenGraph/article meta."""
