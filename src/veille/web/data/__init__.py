"""Read-side queries shared by the pages and the API: indexed, bounded, paginated."""
