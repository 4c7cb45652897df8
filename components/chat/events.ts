/** The sidebar listens for this to refetch the chat list (new chat, new title). */
export const CHATS_CHANGED = "parley:chats-changed";

export function notifyChatsChanged() {
  window.dispatchEvent(new Event(CHATS_CHANGED));
}
