import { Eta, type TemplateFunction } from 'eta/core';
import type { Photo, User } from '../../store/photo-store.js';
import { ERROR_PAGE } from './error-page.js';
import { FRONT_PAGE } from './front-page.js';
import { LAYOUT } from './layout.js';
import { USER_PAGE } from './user-page.js';

export interface Viewer {
  id: number;
  displayName: string;
}

/**
 * Templates compiled once per process (the talk: "parsed page templates ... can, and should,
 * live longer than one request"). eta/core has no file system code: templates are strings in
 * modules, which also keeps the CGI stage's import graph small. autoEscape is on, so every
 * `<%= %>` is HTML-escaped; only `<%~ it.body %>` (already rendered markup) is raw.
 */
export class Views {
  private readonly eta = new Eta({ autoEscape: true, autoTrim: [false, 'nl'], useWith: false });
  private readonly layout: TemplateFunction;
  private readonly userPage: TemplateFunction;
  private readonly frontPage: TemplateFunction;
  private readonly errorPage: TemplateFunction;

  constructor() {
    this.layout = this.eta.compile(LAYOUT);
    this.userPage = this.eta.compile(USER_PAGE);
    this.frontPage = this.eta.compile(FRONT_PAGE);
    this.errorPage = this.eta.compile(ERROR_PAGE);
  }

  private page(title: string, viewer: Viewer | undefined, body: string): string {
    return this.layout.call(this.eta, { title, viewer, body });
  }

  user(user: User, photos: Photo[], viewer: Viewer | undefined): string {
    return this.page(user.displayName, viewer, this.userPage.call(this.eta, { user, photos }));
  }

  front(users: User[], userCount: number, viewer: Viewer | undefined): string {
    return this.page('Home', viewer, this.frontPage.call(this.eta, { users, userCount }));
  }

  error(status: number, reason: string, message: string): string {
    return this.page(
      `${status} ${reason}`,
      undefined,
      this.errorPage.call(this.eta, { status, reason, message }),
    );
  }
}
