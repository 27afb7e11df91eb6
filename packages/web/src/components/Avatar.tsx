import { colourClass, initials } from "../format.js";

interface Props {
  id: string;
  name: string;
  online?: boolean | undefined;
  size?: "sm" | "md";
}

/**
 * Initials on a colour derived from the id, with an optional presence dot. The initials are
 * drawn by CSS from data-initials, not as text: they are decoration, and as text they
 * would join the visible words of a button whose label names the person in full.
 */
export function Avatar({ id, name, online, size = "md" }: Props) {
  return (
    <span
      class={`avatar ${size} ${colourClass(id)}`}
      aria-hidden="true"
      data-initials={initials(name)}
    >
      {online !== undefined && <span class={online ? "dot online" : "dot"} />}
    </span>
  );
}
