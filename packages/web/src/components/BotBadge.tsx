/**
 * The "bot" mark beside a bot's name (a webhook's, or any account a person made for a
 * program), so that nobody takes its messages for a person's. Plain text: a screen
 * reader reads "CI builds bot" as it reads the name.
 */
export function BotBadge() {
  return <span class="bot-badge">bot</span>;
}
