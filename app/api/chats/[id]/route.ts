import { deleteChat, getChat, renameChat } from "@/lib/db/queries/chats";
import { route } from "@/lib/http/route";
import { chatParams, renameSchema } from "./schema";

export const GET = route({ access: "user", params: chatParams }, async ({ user, params }) => {
  const chat = await getChat(user.id, params.id);
  return Response.json({ chat: { id: chat.id, title: chat.title, createdAt: chat.createdAt, updatedAt: chat.updatedAt } });
});

export const PATCH = route({ access: "user", params: chatParams, body: { json: renameSchema } }, async ({ user, params, body }) =>
  Response.json({ chat: await renameChat(user.id, params.id, body.title) }),
);

export const DELETE = route({ access: "user", params: chatParams }, async ({ user, params }) => {
  await deleteChat(user.id, params.id);
  return new Response(null, { status: 204 });
});
