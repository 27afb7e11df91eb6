import { colourClass, initials } from "../format.js";

interface Props {
  id: string;
  name: string;
  online?: boolean | undefined;
  size?: "sm" | "md";
}

/** Initials on a colour derived from the id, with an optional presence dot. */
export function Avatar({ id, name, online, size = "md" }: Props) {
  return (
    <span class={`avatar ${size} ${colourClass(id)}`} aria-hidden="true">
      {initials(name)}
      {online !== undefined && <span class={online ? "dot online" : "dot"} />}
    </span>
  );
}
