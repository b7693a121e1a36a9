/**
 * Local typings for xmpp.js (@xmpp/component 0.13, @xmpp/client 0.14): the packages ship none.
 * Only what Switchboard uses is declared; shapes follow the packages' sources
 * (packages/connection/index.js, packages/component-core/lib/Component.js, ltx/lib/Element.js).
 */

declare module '@xmpp/xml' {
  /** An ltx element: what xmpp.js parses stanzas into and serializes with toString(). */
  export class Element {
    constructor(name: string, attrs?: Record<string, string | undefined>);
    name: string;
    attrs: Record<string, string | undefined>;
    children: (Element | string)[];
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getName(): string;
    getNS(): string | undefined;
    getAttr(name: string, xmlns?: string): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    c(name: string, attrs?: Record<string, string | undefined>): Element;
    t(text: string): Element;
    cnode(child: Element): Element;
    append(...nodes: (Element | string)[]): Element;
    up(): Element;
    root(): Element;
    toString(): string;
  }
  export type Node = Element | string;
  /** xml(name, attrs, ...children): creates an element; string children become text. */
  export function xml(name: string, attrs?: Record<string, string | undefined> | null, ...children: (Node | Node[] | undefined | null | false)[]): Element;
}

declare module '@xmpp/component' {
  import type { EventEmitter } from 'node:events';
  import type { Element, Node } from '@xmpp/xml';

  export interface XmppJid { toString(): string; bare(): XmppJid; local: string; domain: string; resource: string }

  export type ConnectionStatus =
    | 'offline' | 'connecting' | 'connect' | 'opening' | 'open' | 'online' | 'closing' | 'close'
    | 'disconnecting' | 'disconnect';

  /** The xmpp.js connection as both the component and the client expose it. */
  export interface XmppEntity extends EventEmitter {
    status: ConnectionStatus;
    jid: XmppJid | null;
    timeout: number;
    options: { service: string; domain: string; [k: string]: unknown };
    /** Replaced per instance by Switchboard to decode UTF-8 across TCP chunk boundaries. */
    _onData(data: Buffer): void;
    parser: { write(s: string): void } | null;
    socket: { destroy(): void; on(ev: string, fn: (...a: unknown[]) => void): void } | null;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(el: Element): Promise<void>;
    /** Writes text on the stream socket as it is (@xmpp/connection Connection.write). */
    write(s: string): Promise<void>;
    disconnect(timeout?: number): Promise<void>;
    reconnect: { stop(): void; start(): void; delay: number };
  }

  export interface ComponentOptions { service: string; domain: string; password: string }
  export function component(options: ComponentOptions): XmppEntity;
  export function xml(name: string, attrs?: Record<string, string | undefined> | null, ...children: (Node | Node[] | undefined | null | false)[]): Element;
  export namespace xml {
    /** The streaming parser xmpp.js uses (events: start, element, end, error). */
    class Parser extends EventEmitter {
      write(s: string): void;
    }
  }
}

declare module '@xmpp/client' {
  import type { XmppEntity } from '@xmpp/component';
  import type { Element, Node } from '@xmpp/xml';

  export interface ClientOptions {
    service: string;
    domain?: string;
    resource?: string;
    username?: string;
    password?: string;
    lang?: string;
  }
  export function client(options: ClientOptions): XmppEntity;
  export function xml(name: string, attrs?: Record<string, string | undefined> | null, ...children: (Node | Node[] | undefined | null | false)[]): Element;
}
