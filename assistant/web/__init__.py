"""The web app: chat with cited answers, the cited documents, the library and the targets table.

One module per job: `layout` (the Gradio Blocks and their events),
`targets_tab` (the targets tab's part of them), `handlers` (the Python side of
each event), `library` (the store behind the app), `render` (HTML), `chart`
(the targets chart), `uploads`, `logins`, `targets_view`, `export` (Markdown
and feedback), `filters` (the form values both tabs read), `gate` (the server
around the app: Vietnamese login, logout, who may upload), `locale` (Gradio's
own words in Vietnamese), `statics` and `serve`. CSS, JS and the login page
are files in `static/`.

Everything shown in the browser that comes from a document or a user (titles,
quotes, questions, file names) is escaped with `html.escape` (`render.esc`)
before it is put into HTML; no Markdown is rendered from it. `gr.HTML` inserts
its value with `innerHTML` unsanitized, so that escaping is the only defence
and is applied everywhere.
"""
