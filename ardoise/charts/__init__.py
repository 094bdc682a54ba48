"""Pictures for staff: server-side SVG charts of attendance and money, each with its table."""
