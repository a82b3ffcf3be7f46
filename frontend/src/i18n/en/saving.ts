/** Strings of the save engine's UI: status, problems panel, sign-in prompt, channel rename. */
export default {
  saving: {
    signIn: 'Session expired — sign in to save {n} change | Session expired — sign in to save {n} changes',
    signInAction: 'Sign in',
    problemObject: {
      channel: 'Channel “{label}”',
      contentnode: 'Resource “{label}”',
      other: '{table} {key}',
    },
    disallowed: 'You are not allowed to make this change (you may no longer be an editor of this channel).',
    unknownError: 'The server refused this change without saying why.',
    discardTitle: 'Discard {n} unsaved change? | Discard {n} unsaved changes?',
    channelName: 'Channel name',
    channelLoadFailed: 'This channel could not be loaded: {message}',
  },
} as const
