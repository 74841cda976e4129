// The document view's js_on_load: keeps the marked passage (#vd-target) in view.
// The view may be filled while its tab is still hidden (a click in the targets
// tab switches to it): wait until the mark is laid out, then bring it into view.
const reveal = (tries = 30) => {
  const mark = element.querySelector('#vd-target');
  if (!mark) return;
  if (mark.getClientRects().length === 0) {
    if (tries > 0) setTimeout(() => reveal(tries - 1), 100);
    return;
  }
  mark.scrollIntoView({block: 'center'});
};
watch('value', () => reveal());
reveal();
