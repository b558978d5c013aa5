import { FkError } from '../errors.js';
import type { Command } from './io.js';

// PLACEHOLDER: replaced by the real command.
export const command: Command = {
  name: 'app-server',
  summary: '',
  usage: 'flickr-killr app-server',
  run: async () => {
    throw new FkError('E_INTERNAL', 'app-server is not built yet');
  },
};
