import { authenticate } from "@/lib/auth/authenticate";
import { deleteChat, getChat, renameChat } from "@/lib/db/queries/chats";
import { handle } from "@/lib/http/handler";
import { parseJson, validate } from "@/lib/http/parse";
import { chatIdSchema, renameSchema } from "./schema";

type Context = { params: Promise<{ id: string }> };

export const GET = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const id = validate(chatIdSchema, (await params).id);
  const chat = await getChat(user.id, id);
  return Response.json({ chat: { id: chat.id, title: chat.title, createdAt: chat.createdAt, updatedAt: chat.updatedAt } });
});

export const PATCH = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const id = validate(chatIdSchema, (await params).id);
  const { title } = await parseJson(request, renameSchema);
  return Response.json({ chat: await renameChat(user.id, id, title) });
});

export const DELETE = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const id = validate(chatIdSchema, (await params).id);
  await deleteChat(user.id, id);
  return new Response(null, { status: 204 });
});
