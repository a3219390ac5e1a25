/**
 * Where a dialog gives focus back on closing. Radix returns it to a Trigger only, so a dialog opened from a menu
 * item, from the URL or by a button of its own left focus on the page's body, as did one whose opener the confirmed
 * action removed (a deleted row's menu): keyboard and screen reader users lost their place. What is remembered is the
 * control used last outside any dialog (and outside any confirmation, which may open over a dialog), a menu item
 * standing for its menu's button.
 */
let outsideDialogs: HTMLElement | null = null;
let outsideConfirmations: HTMLElement | null = null;

function remember(target: EventTarget | null) {
  const el = target instanceof Element ? target.closest<HTMLElement>('button, a[href], input, select, textarea, [tabindex]') : null;
  if (!el) return;
  const menu = el.closest('[role=menu]');
  const opener = menu ? document.getElementById(menu.getAttribute('aria-labelledby') ?? '') : el;
  if (!opener) return;
  if (!el.closest('[role=alertdialog]')) outsideConfirmations = opener;
  if (!el.closest('[role=dialog],[role=alertdialog]')) outsideDialogs = opener;
}

if (typeof document !== 'undefined') {
  document.addEventListener('focusin', (e) => remember(e.target));
  // A click counts too: Safari gives a clicked button no focus.
  document.addEventListener('pointerdown', (e) => remember(e.target), true);
}

/** Focuses what opened the dialog that just closed, or the page's main region when that is gone (Tab goes on from there). */
export function restoreFocus(kind: 'dialog' | 'alertdialog') {
  const target = kind === 'dialog' ? outsideDialogs : outsideConfirmations;
  (target?.isConnected ? target : document.getElementById('main'))?.focus();
}
