"""The CAF activity report: hours children actually attended, by activity, age band and régime."""
