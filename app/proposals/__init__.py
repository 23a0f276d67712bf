"""VIVO's side of the allocation proposals (issue 13): the pool, a run, its page, sending.

`instance` reads the term's pool and the services with room (one query per table) for
app.allocation; `operations` stores a run, trims it and sends it; `queries` reads a run for
its page; `wording` says each "Waarom?" reason in words.
"""
