"""The web app: chat with cited answers, the cited documents, the library and the targets table.

One module per job: `layout` (the Gradio Blocks and their events), `handlers`
(the Python side of each event), `library` (the store behind the app),
`render` (HTML), `uploads`, `logins`, `targets_view`, `export` (Markdown and
feedback), `filters` (the form values both tabs read) and `serve`. CSS and JS
are files in `static/`.

Everything shown in the browser that comes from a document or a user (titles,
quotes, questions, file names) is escaped with `html.escape` (`render.esc`)
before it is put into HTML; no Markdown is rendered from it. `gr.HTML` inserts
its value with `innerHTML` unsanitized, so that escaping is the only defence
and is applied everywhere.
"""
