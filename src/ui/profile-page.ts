import type { ProfileManagementRequestDto } from '../self-service/profile/profile.dto.js';
import { html } from './html.js';
import { layout, renderForm, type PageLinks } from './pages.js';

/** Renders the profile page: the request's form, with a notice after a successful update. */
export function profilePage(profile: ProfileManagementRequestDto, links: PageLinks): string {
  const notice = profile.update_successful
    ? html`<p class="notice" role="status">Your profile has been saved.</p>`
    : '';

  return layout(
    'Your profile',
    links,
    html`${notice} ${renderForm(profile.form, 'Save')}
      <nav><a href="${links.home}">Home</a><a href="${links.logout}">Sign out</a></nav>`,
  );
}
