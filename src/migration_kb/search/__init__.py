"""Full-text and faceted search over a Whoosh index that follows the database's change log."""
