"""Reading results.json files and turning them into things people read: the HTML report and the run diff."""
