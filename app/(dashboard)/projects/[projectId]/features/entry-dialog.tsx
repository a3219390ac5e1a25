'use client';

import { type FormEvent, useEffect, useId, useState } from 'react';
import { Alert } from '../../../../_components/ui/alert';
import { Button } from '../../../../_components/ui/button';
import { CodeEditor } from '../../../../_components/ui/code-editor';
import {
  Dialog,
  DialogBody,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '../../../../_components/ui/dialog';
import { Field } from '../../../../_components/ui/field';
import { Input } from '../../../../_components/ui/input';
import { Textarea } from '../../../../_components/ui/textarea';
import { describeError } from '../../../../_lib/errors';
import { descriptionKeyOf, type FieldName, formatJson, isObject, LIST_WORDS, nameKeyOf, parseJson } from './entries';

const STATUSES = ['planned', 'in progress', 'done', 'blocked'];

/**
 * One entry of a features or data list. An object entry is edited as name,
 * status and description, with its other fields as JSON beside them; any
 * other JSON value (a string, a number, a list) as JSON. The dialog stays open
 * until the save is through, so a refused save keeps everything typed.
 */
export function EntryDialog({
  fieldName,
  entry,
  open,
  onOpenChange,
  onSave,
}: {
  fieldName: FieldName;
  /** The entry to edit, or undefined for a new one. */
  entry: unknown;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSave: (entry: unknown) => Promise<unknown>;
}) {
  const ids = useId().replace(/:/g, '');
  const words = LIST_WORDS[fieldName];
  const creating = entry === undefined;
  const structured = creating || isObject(entry);
  const nameKey = nameKeyOf(entry);
  const descriptionKey = descriptionKeyOf(entry);
  const [name, setName] = useState('');
  const [status, setStatus] = useState('');
  const [description, setDescription] = useState('');
  const [json, setJson] = useState('');
  const [errors, setErrors] = useState<{ name?: string; json?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    setErrors({});
    if (structured) {
      const e = isObject(entry) ? entry : {};
      setName(e[nameKey] == null ? '' : String(e[nameKey]));
      setStatus(typeof e.status === 'string' ? e.status : creating && fieldName === 'features' ? 'planned' : '');
      setDescription(e[descriptionKey] == null ? '' : String(e[descriptionKey]));
      const { [nameKey]: _n, status: _s, [descriptionKey]: _d, ...rest } = e;
      setJson(Object.keys(rest).length ? formatJson(rest) : '{}');
    } else {
      setJson(formatJson(entry));
    }
  }, [open, entry, structured, nameKey, descriptionKey, creating, fieldName]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = parseJson(json.trim() || (structured ? '{}' : 'null'));
    if (!parsed.ok) return setErrors({ json: parsed.message });
    let value: unknown = parsed.value;
    if (structured) {
      if (!name.trim()) return setErrors({ name: `Give the ${words.one} a name` });
      if (!isObject(parsed.value)) return setErrors({ json: 'Other fields must be a JSON object, such as { "owner": "Ada" }' });
      value = {
        [nameKey]: name.trim(),
        ...(status.trim() ? { status: status.trim() } : {}),
        ...(description.trim() ? { [descriptionKey]: description.trim() } : {}),
        ...parsed.value,
      };
    }
    setBusy(true);
    try {
      await onSave(value);
      onOpenChange(false);
    } catch (err) {
      const friendly = describeError(err);
      setErrors({
        form:
          friendly.code === 'CONFLICT'
            ? `Someone changed the ${words.many} meanwhile; the list now shows their version. Check that this is still the entry you meant, then save again.`
            : friendly.message,
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={(next) => !busy && onOpenChange(next)}>
      <DialogContent size="lg" data-testid="entry-form">
        <form onSubmit={submit} className="flex min-h-0 flex-col" noValidate>
          <DialogHeader>
            <DialogTitle>{creating ? `Add a ${words.one}` : `Edit ${words.one}`}</DialogTitle>
            <DialogDescription>Saving makes a new version of the {words.many}; earlier ones stay in the history.</DialogDescription>
          </DialogHeader>
          <DialogBody className="grid gap-4 pb-4">
            {errors.form && <Alert variant="destructive">{errors.form}</Alert>}
            {structured && (
              <>
                <div className="grid gap-4 sm:grid-cols-[1fr_12rem]">
                  <Field label="Name" required error={errors.name}>
                    <Input value={name} onChange={(e) => setName(e.target.value)} autoFocus autoComplete="off" data-testid="entry-name" />
                  </Field>
                  <Field label="Status">
                    <Input value={status} list={`${ids}-statuses`} onChange={(e) => setStatus(e.target.value)} autoComplete="off" />
                  </Field>
                </div>
                <datalist id={`${ids}-statuses`}>
                  {STATUSES.map((s) => (
                    <option key={s} value={s} />
                  ))}
                </datalist>
                <Field label="Description">
                  <Textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} data-testid="entry-description" />
                </Field>
              </>
            )}
            <div className="grid gap-1.5">
              <span id={`${ids}-json-label`} className="text-sm font-medium">
                {structured ? 'Other fields (JSON object)' : 'Value (JSON)'}
              </span>
              <p id={`${ids}-json-hint`} className="text-xs text-muted-foreground">
                {structured
                  ? 'Anything else this entry holds, kept as written: components, owners, links…'
                  : 'This entry is not an object; edit it as JSON.'}
              </p>
              <CodeEditor
                language="JSON"
                label={structured ? 'Other fields (JSON object)' : 'Value (JSON)'}
                describedBy={errors.json ? `${ids}-json-error ${ids}-json-hint` : `${ids}-json-hint`}
                value={json}
                onChange={setJson}
                height="9rem"
                lineNumbers
                testId="entry-json"
              />
              {errors.json && (
                <p id={`${ids}-json-error`} className="text-xs font-medium text-destructive-text">
                  {errors.json}
                </p>
              )}
            </div>
          </DialogBody>
          <DialogFooter>
            <DialogClose asChild>
              <Button disabled={busy}>Cancel</Button>
            </DialogClose>
            <Button variant="primary" type="submit" loading={busy} data-testid="entry-save">
              {creating ? `Add ${words.one}` : 'Save'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
