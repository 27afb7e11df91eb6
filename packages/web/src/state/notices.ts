/**
 * Short-lived notices: toasts for failures, and the screen-reader announcements of
 * incoming messages (rendered into an ARIA live region).
 */
import { createStore } from "./store.js";

export interface Toast {
  id: number;
  text: string;
}

export const toasts = createStore<Toast[]>([]);
export const announcements = createStore<Toast[]>([]);

let nextId = 1;

export function toast(text: string): void {
  const id = nextId++;
  toasts.update((list) => [...list.slice(-2), { id, text }]);
  setTimeout(() => toasts.update((list) => list.filter((t) => t.id !== id)), 5000);
}

export function dismissToast(id: number): void {
  toasts.update((list) => list.filter((t) => t.id !== id));
}

export function announce(text: string): void {
  const id = nextId++;
  announcements.update((list) => [...list.slice(-4), { id, text }]);
}
