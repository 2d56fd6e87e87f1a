"""The contract kit every classroom provider runs: ``pip install ta-delivery[testing]``.

- :mod:`ta_delivery.testing.contract`: ``ProviderContract``, ``ImportFormatContract`` and ``LmsContract``;
  subclass them in your tests.
- :mod:`ta_delivery.testing.courses`: ``make_course(**changes)`` and ``course_toml(...)`` for test courses.
- :mod:`ta_delivery.testing.faults`: a fault-injecting httpx transport.
- :mod:`ta_delivery.testing.memory`: an in-memory reference provider and its fake server.
- :mod:`ta_delivery.testing.strategies`: hypothesis strategies for every model.
- :mod:`ta_delivery.testing.capture`: an in-memory invite transport and the join link of an invitation.
- :mod:`ta_delivery.testing.pytest_plugin`: fixtures (loaded automatically as a pytest plugin).
"""
