"""Step 1 (居民群众建议): residents' suggestions, photos, supports, reports and moderation."""
