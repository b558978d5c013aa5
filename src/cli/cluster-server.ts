import { FkError } from '../errors.js';
import type { Command } from './io.js';

// PLACEHOLDER: replaced by the real command.
export const command: Command = {
  name: 'cluster-server',
  summary: '',
  usage: 'flickr-killr cluster-server',
  run: async () => {
    throw new FkError('E_INTERNAL', 'cluster-server is not built yet');
  },
};
