"""The timetable's one owner: every rule of what is allowed when (rules.py), its answers for
pages (timetable.py), VIVO's screens to run the school year (routes.py) and reminders."""
