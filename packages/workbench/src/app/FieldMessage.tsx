/** The message under a field, tied to it with aria-describedby by the field's id. */
export function FieldMessage(props: { id: string; message: string | undefined }) {
  if (!props.message) return null;
  return (
    <p className="field-error" id={`${props.id}-error`} role="alert">
      {props.message}
    </p>
  );
}

/** The attributes a field takes when it has a message. */
export const invalidProps = (id: string, message: string | undefined) =>
  message ? { "aria-invalid": true as const, "aria-describedby": `${id}-error` } : {};
