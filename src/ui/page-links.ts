import { joinUrl } from '../common/url.js';
import type { GatehouseConfig } from '../config/gatehouse-config.js';
import type { PageLinks } from './pages.js';

/** Builds the links the built-in pages show: flow starts on the public URL and the stylesheet. */
export function pageLinks(config: GatehouseConfig): PageLinks {
  return {
    home: joinUrl(config.publicUrl, 'ui/'),
    login: joinUrl(config.publicUrl, 'self-service/browser/flows/login'),
    registration: joinUrl(config.publicUrl, 'self-service/browser/flows/registration'),
    logout: joinUrl(config.publicUrl, 'self-service/browser/flows/logout'),
    profile: joinUrl(config.publicUrl, 'self-service/browser/flows/profile'),
    stylesheet: joinUrl(config.publicUrl, 'ui/style.css'),
  };
}
