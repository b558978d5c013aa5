import { FkError } from '../errors.js';
import type { Command } from './io.js';

// PLACEHOLDER: replaced by the real command.
export const command: Command = {
  name: 'serve',
  summary: '',
  usage: 'flickr-killr serve',
  run: async () => {
    throw new FkError('E_INTERNAL', 'serve is not built yet');
  },
};
