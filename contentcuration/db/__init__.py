"""Everything vendor-specific. The rest of the code base is portable ORM code."""
