/**
 * `connscope` — the package's main entry: the connection manager as a library (no HTTP, no
 * WebSocket, no lab). Put a dashboard on it with `connscope/dashboard`; see the README, "Use it in
 * your own service".
 */
export * from './connmgr/index.ts';
export { AddressBook, type AddressBookOptions, type AddressInfo, type SeedResolver } from './addresses/address-book.ts';
