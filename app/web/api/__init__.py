"""The JSON API under ``/api/v1``, one module per resource.

Each module holds one resource's routes and nothing else; the domain does the work and
``app.web.actions`` commits every write. A route goes in the module of the noun its path
names: ``login`` (tokens), ``workshops`` (a workshop, its stages, joining), ``notes``,
``sorting`` (clusters, picks, dots, stage controls), ``records`` (Q&A, comments, feedback,
report details) and ``reports`` (downloads and the archive import).
"""
