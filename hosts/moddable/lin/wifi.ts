/**
 * The `wifi` module for Moddable's Linux simulator. The SDK's simulated
 * Wi-Fi never gets a station address, so nothing that waits for the
 * network (MQTT, SNTP, delivery) would start. On a desktop the network
 * is already up: this binding reports the station connected and given an
 * address, with the same messages and statics hosts/moddable/wifi.ts uses
 * on the board. The access point is not simulated (the setup page is
 * reached on the desktop's own address).
 */
import Timer from 'timer';

type Listener = (message: string) => void;

export default class WiFi {
  static readonly gotIP = 'gotIP';
  static readonly lostIP = 'lostIP';
  static readonly connected = 'connect';
  static readonly disconnected = 'disconnect';
  static readonly Mode = Object.freeze({ none: 0, station: 1, accessPoint: 2 });
  static mode = 1;
  static status = 0;

  constructor(_credentials: object, listener?: Listener) {
    if (listener) {
      // Asynchronously, as on the chip: the caller finishes setting up first.
      Timer.set(() => {
        listener(WiFi.connected);
        listener(WiFi.gotIP);
      }, 0);
    }
  }

  close(): void {}

  static connect(_credentials?: object): void {}

  static accessPoint(_options: object): void {
    trace('wifi (simulator): no access point; the page is on this computer\'s address\n');
  }
}
