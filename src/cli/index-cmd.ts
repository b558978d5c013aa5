import { FkError } from '../errors.js';
import type { Command } from './io.js';

// PLACEHOLDER: replaced by the real command.
export const command: Command = {
  name: 'index',
  summary: '',
  usage: 'flickr-killr index',
  run: async () => {
    throw new FkError('E_INTERNAL', 'index is not built yet');
  },
};
