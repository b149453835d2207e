/* MynaDesk card agent client: the console page uses it to read the card's basic 4 items through the local
 * agent (`mynadesk reader serve`). No build step, no dependencies; see reader/API.md.
 *
 *   const agent = new MynaDeskCardReader("http://127.0.0.1:47863");
 *   const status = await agent.status();          // {present: true, tries_left: 3}
 *   const card = await agent.read(pinInput.value); // {name, address, birth_date, sex, sex_label, has_gaiji}
 *
 * Errors are thrown as MynaDeskCardError with .code (e.g. "wrong_pin", "pin_reset_needed"), .messageJa,
 * .messageEn and, for PIN errors, .triesLeft. The PIN is sent once and not kept here.
 */
(function (global) {
  "use strict";

  class MynaDeskCardError extends Error {
    constructor(code, messageJa, messageEn, triesLeft) {
      super(messageJa + " / " + messageEn);
      this.name = "MynaDeskCardError";
      this.code = code;
      this.messageJa = messageJa;
      this.messageEn = messageEn;
      this.triesLeft = triesLeft;
    }
  }

  class MynaDeskCardReader {
    constructor(agentUrl) {
      this.agentUrl = (agentUrl || "http://127.0.0.1:47863").replace(/\/$/, "");
      this.token = null;
    }

    async _call(method, path, body, retry) {
      if (!this.token) {
        await this._session();
      }
      let response;
      try {
        response = await fetch(this.agentUrl + path, {
          method: method,
          headers: { "Content-Type": "application/json", "X-MynaDesk-Token": this.token },
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: "no-store",
        });
      } catch (error) {
        throw new MynaDeskCardError(
          "agent_unreachable",
          "カード読取エージェントに接続できません。端末でエージェントが起動しているか確認してください",
          "cannot reach the card agent; check that it runs on this PC",
        );
      }
      const data = await response.json();
      if (response.status === 401 && retry !== false) {
        this.token = null; // the agent restarted: get a new session once
        return this._call(method, path, body, false);
      }
      if (!data.ok) {
        const e = data.error;
        throw new MynaDeskCardError(e.code, e.message_ja, e.message_en, e.tries_left);
      }
      return data;
    }

    async _session() {
      let response;
      try {
        response = await fetch(this.agentUrl + "/v1/session", { method: "POST", cache: "no-store" });
      } catch (error) {
        throw new MynaDeskCardError(
          "agent_unreachable",
          "カード読取エージェントに接続できません。端末でエージェントが起動しているか確認してください",
          "cannot reach the card agent; check that it runs on this PC",
        );
      }
      const data = await response.json();
      if (!data.ok) {
        throw new MynaDeskCardError(data.error.code, data.error.message_ja, data.error.message_en);
      }
      this.token = data.token;
    }

    /** Is a card there, and how many PIN tries are left? */
    async status() {
      const data = await this._call("GET", "/v1/card");
      return { present: data.present, tries_left: data.tries_left };
    }

    /** Read the basic 4 items with the resident's 4-digit PIN. */
    async read(pin) {
      const data = await this._call("POST", "/v1/read", { pin: String(pin) });
      return data.card;
    }
  }

  global.MynaDeskCardReader = MynaDeskCardReader;
  global.MynaDeskCardError = MynaDeskCardError;
})(typeof window !== "undefined" ? window : globalThis);
