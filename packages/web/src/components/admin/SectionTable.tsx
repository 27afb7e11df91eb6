/**
 * A console table in a box that scrolls sideways when the table is wider than the card.
 * The box takes the focus, so a keyboard can scroll it too.
 */
import type { ComponentChildren } from "preact";

export function SectionTable({
  caption,
  stacked,
  children,
}: {
  /** Names the table and the scrolling box around it. */
  caption: string;
  /** On a phone, each row becomes a block of labelled cells (each td needs data-label). */
  stacked?: boolean;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a keyboard must be able to scroll a wide table sideways.
    <section class="admin-table-wrap" aria-label={caption} tabIndex={0}>
      <table class={stacked ? "admin-table admin-stacked" : "admin-table"}>
        <caption class="sr-only">{caption}</caption>
        {children}
      </table>
    </section>
  );
}
