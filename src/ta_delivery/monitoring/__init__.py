"""Monitoring: the activity report of one course and the programme's participation report (PRODUCT.md
section 6), built as pure functions over per-course reports."""
