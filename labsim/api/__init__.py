"""The TrueNAS API, one module a namespace: method handlers and their ``METHODS`` table.

Each handler is entered in its namespace's table by ``@METHODS.register(...)`` above it.

``labsim.methods`` joins the tables; the lab state they read and change lives outside
(``labsim.state`` for the NAS, ``labsim.apps`` and ``labsim.backups`` for theirs).
"""
