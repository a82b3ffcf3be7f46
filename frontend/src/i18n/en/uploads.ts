/** Strings of the upload queue (issue 14). */
export default {
  uploads: {
    title: 'Upload files',
    choose: 'Choose files',
    drop: 'Drop files here, or choose them — PDF, EPUB, MP4, WebM, MP3, H5P, HTML5 zip',
    queue: 'Uploads',
    percent: '{n} %',
    hashing: 'Checking the file…',
    queued: 'Waiting',
    creating: 'Creating the resource…',
    done: 'Added',
    failed: 'Failed: {reason}',
    refused: 'Refused: {reason}',
    retry: 'Retry',
    retryFile: 'Retry {name}',
    clear: 'Clear finished',
    close: 'Close',
    leaving: 'Files are still uploading. Leave the page?',
  },
}
