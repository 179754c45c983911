/*
 * Mounts GraphiQL on the playground page (gateway/playground/page.ts). Plain browser
 * JavaScript, served as is (no build step), after the React 18 and GraphiQL UMD bundles,
 * which define the globals React, ReactDOM and GraphiQL. The page's JSON block gives the
 * endpoint and the example tabs. Requests go to the same origin as JSON POSTs, which
 * Apollo Server's CSRF prevention lets through.
 */
(function () {
  'use strict';

  // GraphiQL's dialogs inject <style> elements (react-remove-scroll); that library reads
  // this global nonce, which the page's Content-Security-Policy allows for styles.
  window.__webpack_nonce__ = document.currentScript.dataset.styleNonce;

  var config = JSON.parse(document.getElementById('playground-config').textContent);

  /** GraphiQL's fetcher: one JSON POST; a non-JSON answer becomes a GraphQL-style error. */
  function fetcher(params, options) {
    var headers = Object.assign(
      { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      options && options.headers,
    );
    return fetch(config.endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'same-origin',
    }).then(function (res) {
      return res.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (err) {
          return {
            errors: [{ message: 'HTTP ' + res.status + ' from ' + config.endpoint + ': ' + text.slice(0, 500) }],
          };
        }
      });
    });
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: config.tabs,
      defaultEditorToolsVisibility: 'variables',
      shouldPersistHeaders: false,
    }),
  );
})();
