const kit = require('./relay-kit');
const base = process.argv[2];
kit.main(async (track) => {
  const phone = track(await kit.connectPhone(base, 'websocket', 'p', 'probe-' + Date.now()));
  const token = await kit.pair(base, phone);
  const web = track(await kit.connectWeb(base, 'websocket', 'w', token, phone.deviceId));
  const out = {};
  const bads = { nul: 'a\u0000b', lone: 'a\ud800b' };
  for (const [k, bad] of Object.entries(bads)) {
    const m = (f) => ({ id: 'm-' + k + f, conversationId: 'c1', phoneNumber: '+1', body: 'hi', timestamp: 1, type: 'received', read: false, [f]: bad });
    for (const f of ['id', 'conversationId', 'phoneNumber', 'body', 'type', 'status', 'contactName']) {
      out['messages.' + f + '.' + k] = await phone.ack('mobile:messages', { messages: [m(f)] });
    }
    for (const f of ['id', 'phoneNumber', 'contactName', 'lastMessage']) {
      const c = { id: 'c-' + k + f, phoneNumber: '+1', contactName: 'x', lastMessage: 'y', lastMessageTime: 1, unreadCount: 0, [f]: bad };
      out['conversations.' + f + '.' + k] = await phone.ack('mobile:conversations', { conversations: [c] });
    }
    out['status.messageId.' + k] = await phone.ack('mobile:message-status', { messageId: bad, status: 'sent' });
    out['status.status.' + k] = await phone.ack('mobile:message-status', { messageId: 'm1', status: bad });
    out['send.phoneNumber.' + k] = await web.ack('web:send-message', { phoneNumber: bad, message: 'x', tempId: 't1' + k });
    out['send.message.' + k] = await web.ack('web:send-message', { phoneNumber: '+1', message: bad, tempId: 't2' + k });
    out['send.tempId.' + k] = await web.ack('web:send-message', { phoneNumber: '+1', message: 'x', tempId: bad });
    out['markread.' + k] = await web.ack('web:mark-read', { conversationId: bad });
    out['revoke.' + k] = await phone.ack('mobile:revoke-session', { sessionId: bad });
    const p2 = track(new kit.AppSocket('p2', base, 'websocket'));
    await p2.connect();
    out['register.deviceName.' + k] = await p2.ack('mobile:register', { deviceId: 'dn-' + k + Date.now(), deviceName: bad, deviceModel: 'm' });
    out['register.deviceModel.' + k] = await p2.ack('mobile:register', { deviceId: 'dm-' + k + Date.now(), deviceName: 'n', deviceModel: bad });
    out['register.deviceId.' + k] = await p2.ack('mobile:register', { deviceId: 'di' + bad, deviceName: 'n', deviceModel: 'm' });
  }
  for (const [k, v] of Object.entries(out)) console.error(k, JSON.stringify(v));
  return {};
});
