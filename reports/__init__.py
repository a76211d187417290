"""The HTML report for policymakers: context, formatting, charts and rendering.

`reports.render.render_report(data, lang)` turns the result of `projections.compute(...)`
into one self-contained HTML page (inline CSS and SVG, no scripts, no
network) in Korean or English.
"""
