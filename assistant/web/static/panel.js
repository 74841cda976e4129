// The answer panel's js_on_load: a click on anything with data-doc (a [n] marker or a
// source title) becomes a `cite` event with the document id and character range.
if (!element.dataset.vdBound) {
  element.dataset.vdBound = '1';
  element.addEventListener('click', (event) => {
    const link = event.target.closest('[data-doc]');
    if (!link || !element.contains(link)) return;
    event.preventDefault();
    trigger('cite', {doc_id: link.dataset.doc, start: Number(link.dataset.start),
                     end: Number(link.dataset.end)});
  });
}
