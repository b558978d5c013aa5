import { FkError } from '../errors.js';
import type { Command } from './io.js';

// PLACEHOLDER: replaced by the real command.
export const command: Command = {
  name: 'ladder',
  summary: '',
  usage: 'flickr-killr ladder',
  run: async () => {
    throw new FkError('E_INTERNAL', 'ladder is not built yet');
  },
};
