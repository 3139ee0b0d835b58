export { listSearch, searchDeliverSafeUnits, searchDevices, searchFleets, searchTrailers } from './listSearch';
