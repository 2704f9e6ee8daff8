"""Spider middlewares between the news spider and the engine: discovery gate, revisit schedule."""
